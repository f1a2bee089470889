package no.altinn.systemuser;

import java.util.Map;
import java.util.Objects;

/**
 * Where the client talks to: an Altinn environment by name (the component knows its platform,
 * confirm page and Maskinporten URLs), or custom URLs, or the local simulator.
 */
public final class Environment {
    public static final Environment PRODUCTION = new Environment("production", null, null, null);
    public static final Environment TT02 = new Environment("tt02", null, null, null);
    public static final Environment AT22 = new Environment("at22", null, null, null);
    public static final Environment AT23 = new Environment("at23", null, null, null);
    public static final Environment AT24 = new Environment("at24", null, null, null);
    public static final Environment YT01 = new Environment("yt01", null, null, null);

    private final String name;
    private final String platformUrl;
    private final String confirmUrl;
    private final String maskinportenIssuer;

    private Environment(String name, String platformUrl, String confirmUrl, String maskinportenIssuer) {
        this.name = name;
        this.platformUrl = platformUrl;
        this.confirmUrl = confirmUrl;
        this.maskinportenIssuer = maskinportenIssuer;
    }

    /** Custom URLs: the platform base, the confirm page's origin and the Maskinporten issuer ({@code …/}: its token endpoint is {@code {issuer}token}). */
    public static Environment custom(String platformUrl, String confirmUrl, String maskinportenIssuer) {
        return new Environment(null, Objects.requireNonNull(platformUrl, "platformUrl"), Objects.requireNonNull(confirmUrl, "confirmUrl"),
                Objects.requireNonNull(maskinportenIssuer, "maskinportenIssuer"));
    }

    /** The local simulator at {@code baseUrl} (it serves the platform, the confirm page and Maskinporten itself). */
    public static Environment local(String baseUrl) {
        String base = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
        return custom(base, base, base + "/");
    }

    /** {@code tt02}, {@code production}, …; empty for custom URLs. */
    public java.util.Optional<String> name() {
        return java.util.Optional.ofNullable(name);
    }

    /** The {@code environment} member of libsystemuser's {@code config} document. */
    Object toJson() {
        if (name != null) return name;
        return Map.of("platformUrl", platformUrl, "confirmUrl", confirmUrl, "maskinportenIssuer", maskinportenIssuer);
    }

    @Override
    public String toString() {
        return name != null ? "Environment[" + name + "]" : "Environment[platform=" + platformUrl + ", confirm=" + confirmUrl + ", maskinporten=" + maskinportenIssuer + "]";
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof Environment)) return false;
        Environment e = (Environment) o;
        return Objects.equals(name, e.name) && Objects.equals(platformUrl, e.platformUrl) && Objects.equals(confirmUrl, e.confirmUrl)
                && Objects.equals(maskinportenIssuer, e.maskinportenIssuer);
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, platformUrl, confirmUrl, maskinportenIssuer);
    }
}
