# Python SDK generation (make sdk): see scripts/ and README.
