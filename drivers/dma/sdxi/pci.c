// SPDX-License-Identifier: GPL-2.0-only
/*
 * SDXi (SNIA Smart Data Accelerator Interface) PCI function driver.
 *
 * Probe resets the function, builds the context table with the admin
 * context, enables the error log, activates the function and registers
 * one dmaengine channel per client context.
 */
#include <linux/bitfield.h>
#include <linux/dma-mapping.h>
#include <linux/interrupt.h>
#include <linux/io.h>
#include <linux/module.h>
#include <linux/pci.h>
#include <linux/slab.h>

#include "sdxi.h"

static unsigned int channels = 4;
module_param(channels, uint, 0444);
MODULE_PARM_DESC(channels, "Client contexts (dmaengine channels) per function (default 4)");

static unsigned int ring_entries = 1024;
module_param(ring_entries, uint, 0444);
MODULE_PARM_DESC(ring_entries, "Descriptors per channel ring, a power of two (default 1024)");

static int sdxi_read_caps(struct sdxi_dev *sdxi)
{
	u64 ver = readq(sdxi->regs + SDXI_MMIO_VER);
	u64 cap0 = readq(sdxi->regs + SDXI_MMIO_CAP0);
	u64 cap1 = readq(sdxi->regs + SDXI_MMIO_CAP1);
	unsigned int max_cxt = FIELD_GET(SDXI_CAP1_MAX_CXT, cap1) + 1;
	u32 opb = FIELD_GET(SDXI_CAP1_OPB_000_CAP, cap1);
	u64 ring, copy;

	if (FIELD_GET(SDXI_VER_MAJOR, ver) != 1) {
		dev_err(sdxi_dev(sdxi), "unsupported SDXi version %llu.%llu\n",
			FIELD_GET(SDXI_VER_MAJOR, ver),
			FIELD_GET(SDXI_VER_MINOR, ver));
		return -ENODEV;
	}
	if ((opb & (SDXI_OPB_DMAB | SDXI_OPB_ADMIN | SDXI_OPB_INTR)) !=
	    (SDXI_OPB_DMAB | SDXI_OPB_ADMIN | SDXI_OPB_INTR)) {
		dev_err(sdxi_dev(sdxi), "function lacks operation groups (%#x)\n",
			opb);
		return -ENODEV;
	}
	sdxi->db_stride = SZ_4K << FIELD_GET(SDXI_CAP0_DB_STRIDE, cap0);
	ring = 1024ULL << FIELD_GET(SDXI_CAP0_MAX_DS_RING_SZ, cap0);
	sdxi->max_ring = min_t(u64, ring,
			       rounddown_pow_of_two(max(ring_entries, 64U)));
	copy = 2ULL << (FIELD_GET(SDXI_CAP1_MAX_BUFFER, cap1) + 21);
	sdxi->max_copy = min_t(u64, copy, SZ_4G);
	/* Context 0 is admin; the driver uses one level-1 table. */
	return min3(max_cxt, (unsigned int)SDXI_L1_ENTRIES, channels + 1) - 1;
}

static int sdxi_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	struct device *dev = &pdev->dev;
	struct sdxi_dev *sdxi;
	int nr_chans, ret;

	ret = pcim_enable_device(pdev);
	if (ret)
		return ret;
	pci_set_master(pdev);
	ret = dma_set_mask_and_coherent(dev, DMA_BIT_MASK(64));
	if (ret)
		return ret;

	/* Freed by sdxi_dma_release() once registered, by us before. */
	sdxi = kzalloc_obj(*sdxi);
	if (!sdxi)
		return -ENOMEM;
	sdxi->pdev = pdev;
	mutex_init(&sdxi->admin_lock);
	pci_set_drvdata(pdev, sdxi);

	sdxi->regs = pcim_iomap_region(pdev, SDXI_BAR_REGS, SDXI_DRV_NAME);
	sdxi->doorbells = pcim_iomap_region(pdev, SDXI_BAR_DOORBELLS,
					    SDXI_DRV_NAME);
	if (IS_ERR(sdxi->regs) || IS_ERR(sdxi->doorbells)) {
		ret = -ENOMEM;
		goto err_free;
	}

	nr_chans = sdxi_read_caps(sdxi);
	if (nr_chans <= 0) {
		ret = nr_chans ?: -ENODEV;
		goto err_free;
	}

	/* Start from a known state whatever firmware or a previous driver did. */
	ret = sdxi_fn_set_state(sdxi, SDXI_GSR_RESET, SDXI_GSV_STOP);
	if (ret) {
		dev_err(dev, "function does not reset (%d)\n", ret);
		goto err_free;
	}

	/* Vector 0 reports errors; each channel gets one if there are enough. */
	ret = pci_alloc_irq_vectors(pdev, 2, nr_chans + 1, PCI_IRQ_MSIX);
	if (ret < 0)
		goto err_free;

	ret = sdxi_tables_init(sdxi);
	if (!ret)
		ret = sdxi_errlog_init(sdxi);
	if (!ret)
		ret = sdxi_ring_init(sdxi, &sdxi->admin, 0, SDXI_ADMIN_ENTRIES,
				     0);
	if (ret)
		goto err_vectors;

	ret = request_irq(pci_irq_vector(pdev, 0), sdxi_errlog_irq, 0,
			  SDXI_DRV_NAME, sdxi);
	if (ret)
		goto err_vectors;

	ret = sdxi_fn_set_state(sdxi, SDXI_GSR_ACTIVE, SDXI_GSV_ACTIVE);
	if (ret) {
		dev_err(dev, "function does not become active (%d)\n", ret);
		goto err_irq;
	}

	ret = sdxi_dma_register(sdxi, nr_chans);
	if (ret)
		goto err_reset;

	dev_info(dev, "SDXi: %u channels, %u-entry rings, NUMA node %d\n",
		 sdxi->nr_chans, sdxi->max_ring, dev_to_node(dev));
	return 0;

err_reset:
	sdxi_fn_set_state(sdxi, SDXI_GSR_RESET, SDXI_GSV_STOP);
err_irq:
	free_irq(pci_irq_vector(pdev, 0), sdxi);
err_vectors:
	pci_free_irq_vectors(pdev);
err_free:
	kfree(sdxi);
	return ret;
}

static void sdxi_remove(struct pci_dev *pdev)
{
	struct sdxi_dev *sdxi = pci_get_drvdata(pdev);

	sdxi_dma_stop(sdxi);
	/* The function must not touch memory once devres frees the rings. */
	if (sdxi_fn_set_state(sdxi, SDXI_GSR_RESET, SDXI_GSV_STOP))
		dev_err(&pdev->dev, "function did not reset on removal\n");
	free_irq(pci_irq_vector(pdev, 0), sdxi);
	pci_free_irq_vectors(pdev);
	/* May free sdxi: clients still holding channels keep it alive. */
	dma_async_device_unregister(&sdxi->dma);
}

static const struct pci_device_id sdxi_ids[] = {
	{ PCI_DEVICE_CLASS(SDXI_PCI_CLASS, 0xffffff) },
	{ }
};
MODULE_DEVICE_TABLE(pci, sdxi_ids);

static struct pci_driver sdxi_driver = {
	.name		= SDXI_DRV_NAME,
	.id_table	= sdxi_ids,
	.probe		= sdxi_probe,
	.remove		= sdxi_remove,
};
module_pci_driver(sdxi_driver);

MODULE_DESCRIPTION("SNIA SDXi DMA engine driver");
MODULE_LICENSE("GPL");
