#!/bin/sh
# Ours: the dmaengine provider on misbehaving dmaengine drivers
# (test_migrate_dma in each of its modes): refused, or no byte lost, and
# transfers that cannot be stopped hold their memory until they end;
# channels that vanish mid-migration and failing allocations lose no
# byte either. No task may block for 30 s meanwhile: the hung-task
# detector panics the guest (hung_task_panic=1), which fails the run.
ht=/proc/sys/kernel/hung_task_timeout_secs
old=$(cat $ht)
echo 30 > $ht
migrate_dma_drivers
r=$?
echo "$old" > $ht
exit $r
