//! Runs coverage.py (`python -m coverage json`) on coverage.py data to learn each file's statements, branches and
//! missing lines, and turns the result into the model.
