# Fuzzing (make fuzz): libFuzzer harnesses in tests/fuzz.
