#!/bin/sh
# Ours: every node pair, three folio sizes, every byte compared.
exec migrate_nodes
