"""Chapter 1, the scaling disaster.

``spec`` declares the chapter; ``experiments`` holds its computations; ``pair`` (where the chapter has one)
builds the broken and fixed Keras model the doctor is run on. Importing this package imports nothing else."""
