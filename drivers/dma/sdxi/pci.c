// SPDX-License-Identifier: GPL-2.0-only
/*
 * SDXi (SNIA Smart Data Accelerator Interface) PCI function driver.
 *
 * Probe follows 4.1.8 "Activation of the SDXi Function by Software":
 * make sure the function is stopped, program CTL2 from CAP1, build the
 * context table with the admin context marked running, set the error
 * log up, activate the function, jump-start the admin context with its
 * doorbell, then start one client context per dmaengine channel. Every
 * way out stops the function before the memory it was given goes back.
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
MODULE_PARM_DESC(ring_entries, "Descriptors per channel ring, a power of two, at least 1024 (default 1024)");

static int sdxi_read_caps(struct sdxi_dev *sdxi)
{
	u64 ver = readq(sdxi->regs + SDXI_MMIO_VER);
	u64 cap0 = readq(sdxi->regs + SDXI_MMIO_CAP0);
	u64 cap1 = readq(sdxi->regs + SDXI_MMIO_CAP1);
	unsigned int max_cxt = FIELD_GET(SDXI_CAP1_MAX_CXT, cap1) + 1;
	u64 ring;

	if (ver == ~0ULL || FIELD_GET(SDXI_VER_MAJOR, ver) != 1) {
		dev_err(sdxi_dev(sdxi), "unsupported SDXi version %llu.%llu\n",
			FIELD_GET(SDXI_VER_MAJOR, ver),
			FIELD_GET(SDXI_VER_MINOR, ver));
		return -ENODEV;
	}
	/*
	 * Which bit of opb_000_cap stands for which operation group is not
	 * something the driver can check: it enables what the function
	 * offers, and a missing group shows as failed descriptors.
	 */
	sdxi->opb = FIELD_GET(SDXI_CAP1_OPB_000_CAP, cap1);
	dev_dbg(sdxi_dev(sdxi), "SDXi %llu.%llu, CAP0 %#llx, CAP1 %#llx, operation groups %#x\n",
		FIELD_GET(SDXI_VER_MAJOR, ver), FIELD_GET(SDXI_VER_MINOR, ver),
		cap0, cap1, sdxi->opb);

	sdxi->db_stride = SZ_4K << FIELD_GET(SDXI_CAP0_DB_STRIDE, cap0);
	ring = 1024ULL << FIELD_GET(SDXI_CAP0_MAX_DS_RING_SZ, cap0);
	sdxi->max_ring = min_t(u64, ring,
			       rounddown_pow_of_two(max(ring_entries,
							SDXI_RING_MIN)));
	sdxi->max_buffer = min_t(u8, FIELD_GET(SDXI_CAP1_MAX_BUFFER, cap1),
				 SDXI_MAX_BUFFER_4G);
	sdxi->max_copy = sdxi_max_buffer_bytes(sdxi->max_buffer);
	/* Context 0 is admin; the driver uses one level-1 table. */
	return min3(max_cxt, (unsigned int)SDXI_L1_ENTRIES, channels + 1) - 1;
}

/*
 * 4.1.8 steps 0 and 1b: no PASID, no error interrupts yet (the function
 * group stays), and the limits the driver keeps to: its largest copy,
 * 256 AKeys per context, the contexts it uses, every operation group.
 * The CTL0 write (a reset request of the stopped function) comes first,
 * so nothing after it is undone.
 */
static void sdxi_fn_configure(struct sdxi_dev *sdxi, unsigned int nr_chans)
{
	u64 ctl0 = readq(sdxi->regs + SDXI_MMIO_CTL0);

	ctl0 &= ~(SDXI_CTL0_FN_PASID | SDXI_CTL0_FN_PASID_VL |
		  SDXI_CTL0_FN_ERR_INTR_EN | SDXI_CTL0_FN_GSR);
	writeq(ctl0, sdxi->regs + SDXI_MMIO_CTL0);
	writeq(FIELD_PREP(SDXI_CTL2_MAX_BUFFER, sdxi->max_buffer) |
	       FIELD_PREP(SDXI_CTL2_MAX_AKEY_SZ, 0) |
	       FIELD_PREP(SDXI_CTL2_MAX_CXT, nr_chans) |
	       FIELD_PREP(SDXI_CTL2_OPB_000_AVL, sdxi->opb),
	       sdxi->regs + SDXI_MMIO_CTL2);
}

/*
 * Give the function back stopped: soft, then hard, reset only from the
 * error state. If it will not stop, it must at least not reach memory
 * that devres is about to free.
 */
static void sdxi_fn_shutdown(struct sdxi_dev *sdxi)
{
	if (sdxi_fn_stop(sdxi)) {
		dev_err(sdxi_dev(sdxi), "function does not stop: bus mastering off\n");
		pci_clear_master(sdxi->pdev);
		return;
	}
	sdxi_errlog_disable(sdxi);
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

	/* 0: from a known state, whatever firmware or a previous driver did. */
	ret = sdxi_fn_stop(sdxi);
	if (ret) {
		dev_err(dev, "function does not stop (%d)\n", ret);
		goto err_free;
	}
	sdxi_fn_configure(sdxi, nr_chans);

	/* Vector 0 reports errors; each channel gets one if there are enough. */
	ret = pci_alloc_irq_vectors(pdev, 2, nr_chans + 1, PCI_IRQ_MSIX);
	if (ret < 0)
		goto err_free;
	sdxi->nr_vectors = ret;

	/* 2-4: context table, admin context ready to run. */
	ret = sdxi_tables_init(sdxi);
	if (!ret)
		ret = sdxi_ring_init(sdxi, &sdxi->admin, 0, SDXI_ADMIN_ENTRIES,
				     0);
	if (ret)
		goto err_vectors;
	sdxi_admin_prepare(sdxi);

	/* 7: the error log, its interrupt handler first. */
	ret = request_threaded_irq(pci_irq_vector(pdev, 0), sdxi_errlog_irq,
				   sdxi_errlog_thread, IRQF_ONESHOT,
				   SDXI_DRV_NAME, sdxi);
	if (ret)
		goto err_vectors;
	ret = sdxi_errlog_init(sdxi);
	if (ret)
		goto err_stop;

	/* 9 and 10: activate, then jump-start the admin context. */
	ret = sdxi_fn_activate(sdxi);
	if (ret) {
		dev_err(dev, "function does not become active (%d)\n", ret);
		goto err_stop;
	}
	sdxi_admin_jump_start(sdxi);

	ret = sdxi_dma_register(sdxi, nr_chans);
	if (ret)
		goto err_stop;

	dev_info(dev, "SDXi: %u channels, %u-entry rings, copies up to %llu MiB, NUMA node %d\n",
		 sdxi->nr_chans, sdxi->max_ring, sdxi->max_copy >> 20,
		 dev_to_node(dev));
	return 0;

err_stop:
	sdxi_fn_shutdown(sdxi);
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

	sdxi_dma_quiesce(sdxi);
	/* The function must not touch memory once devres frees the rings. */
	sdxi_fn_shutdown(sdxi);
	sdxi_dma_fail_all(sdxi);
	free_irq(pci_irq_vector(pdev, 0), sdxi);
	pci_free_irq_vectors(pdev);
	/* May free sdxi: clients still holding channels keep it alive. */
	dma_async_device_unregister(&sdxi->dma);
}

static const struct pci_device_id sdxi_ids[] = {
	{ PCI_DEVICE_CLASS(PCI_CLASS_ACCELERATOR_SDXI, 0xffffff) },
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
