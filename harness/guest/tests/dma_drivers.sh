#!/bin/sh
# Ours: the dmaengine provider on misbehaving dmaengine drivers
# (test_migrate_dma in each of its modes): refused, or no byte lost, and
# transfers that cannot be stopped hold their memory until they end.
exec migrate_dma_drivers
