"""Contacts import: upload a CSV/XLSX file, map its columns, load it in a background job."""
