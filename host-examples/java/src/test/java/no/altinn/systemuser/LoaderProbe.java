package no.altinn.systemuser;

/** For {@link LoaderTest}: loads libsystemuser in a fresh JVM (with the system properties it was started with) and prints the outcome. */
public final class LoaderProbe {
    private LoaderProbe() {}

    public static void main(String[] args) {
        try {
            NativeLib lib = NativeLib.get();
            System.out.println("loaded ABI " + NativeLib.Api.su_abi_version() + " from " + lib.origin);
        } catch (SystemUserException e) {
            System.out.println(e.getClass().getSimpleName() + ": " + e.getMessage());
        }
    }
}
