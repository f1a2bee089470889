package no.altinn.systemuser;

import java.util.List;

/**
 * Where a vendor that already has a Maskinporten client gets its access tokens: asked for a token
 * carrying exactly {@code scopes} for each exchange that needs one (cache on your side). Return
 * the bare token (no {@code Bearer}); throw when there is none. The exception's class name (and
 * its message, with anything token-like masked) becomes a {@link TokenException}: never put the
 * token itself in it.
 */
@FunctionalInterface
public interface TokenSupplier {
    String accessToken(List<String> scopes) throws Exception;
}
