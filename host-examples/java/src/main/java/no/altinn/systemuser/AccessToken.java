package no.altinn.systemuser;

import java.time.Instant;
import java.util.Objects;

/**
 * An access token to act as a customer's system user ({@link SystemUserClient#systemUserToken}).
 * {@link #toString()} masks it; {@link #accessToken()} is the one way to read it. Never log it.
 */
public record AccessToken(String accessToken, String scope, Instant expiresAt) {
    public AccessToken {
        Objects.requireNonNull(accessToken, "accessToken");
    }

    /** The value for an {@code Authorization} header: {@code Bearer <token>}. */
    public String authorizationHeader() {
        return "Bearer " + accessToken;
    }

    @Override
    public String toString() {
        return "AccessToken[accessToken=[masked, " + accessToken.length() + " characters], scope=" + scope + ", expiresAt=" + expiresAt + "]";
    }
}
