# Release artifacts (make dist, make install): see README.
