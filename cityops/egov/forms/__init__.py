"""What a person typed on the government services' pages, turned into a selector's filter or a service's input."""
