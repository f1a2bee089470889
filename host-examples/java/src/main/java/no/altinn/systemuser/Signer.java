package no.altinn.systemuser;

import java.security.GeneralSecurityException;

/**
 * Signs a Maskinporten grant with RS256 (RSASSA-PKCS1-v1_5 over SHA-256) where the key lives
 * somewhere this process cannot read it (an HSM, a cloud KMS). {@link MaskinportenKey} does this
 * for a {@link java.security.PrivateKey}.
 */
@FunctionalInterface
public interface Signer {
    byte[] sign(byte[] data) throws GeneralSecurityException;
}
