"""Schema alignment: the DDL files, the live table and the fields the code writes."""
