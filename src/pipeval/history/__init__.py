"""Historical validation: a date × phase matrix, gaps with their cascade windows, a plan."""
