#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| altinn_systemuser_fuzz::operation(data));
