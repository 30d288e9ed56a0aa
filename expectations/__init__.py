"""Great Expectations suites, one module per dataset, and the gate that runs them."""
