"""Two small plug-ins the compute program needs, written into the service venvs (source
text here: they import Nova and Neutron, which refcore itself never does).

* ``nova.virt.refcore_fake.RefcoreFakeDriver``: Nova's ``FakeDriverWithoutFakeNodes``
  (keeps its node identity in ``state_path``, so nova-compute can restart; the plain
  ``FakeDriver`` draws a new node uuid per process) whose ``snapshot`` uploads placeholder
  bytes through Nova's Glance API (the fake one never finishes a snapshot: the image
  stays ``queued``). Nova resolves ``compute_driver`` under ``nova.virt``.
* ``refcore_fake`` ML2 mechanism driver, registered through Neutron's own entry point
  group ``neutron.ml2.mechanism_drivers`` (a dist-info of its own in the venv): binds the
  first segment with vif_type ``ovs`` and status ACTIVE, since no in-tree driver binds a
  port without an agent.
* ``refcore_sandbox_cinder.RefcoreFakeVolumeDriver``: Cinder's
  ``FakeLoggingVolumeDriver`` (no block device) whose volume -> image copy uploads
  placeholder bytes and whose image -> volume copy writes nothing: the fake one opens a
  ``/dev/mapper`` path that does not exist (upload to image fails with
  FileNotFoundError).
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["install_cinder_driver", "install_neutron_driver", "install_nova_driver"]

NOVA_DRIVER = '''"""refcore sandbox: Nova's fake driver with snapshots that finish."""

import io

from nova.compute import task_states
from nova import exception
from nova.image import glance
from nova.virt import fake

PLACEHOLDER = b"refcore-sandbox snapshot\\n" * 64


class RefcoreFakeDriver(fake.FakeDriverWithoutFakeNodes):
    def snapshot(self, context, instance, image_id, update_task_state):
        if instance.uuid not in self.instances:
            raise exception.InstanceNotRunning(instance_id=instance.uuid)
        update_task_state(task_state=task_states.IMAGE_PENDING_UPLOAD)
        update_task_state(
            task_state=task_states.IMAGE_UPLOADING,
            expected_state=task_states.IMAGE_PENDING_UPLOAD,
        )
        api = glance.API()
        image = api.get(context, image_id)
        metadata = {
            "disk_format": image.get("disk_format") or "raw",
            "container_format": image.get("container_format") or "bare",
        }
        api.update(context, image_id, metadata, io.BytesIO(PLACEHOLDER), purge_props=False)
'''

NEUTRON_DRIVER = '''"""refcore sandbox: an ML2 mechanism driver that binds ports without any agent."""

from neutron_lib import constants
from neutron_lib.api.definitions import portbindings
from neutron_lib.plugins.ml2 import api


class RefcoreFakeMechanismDriver(api.MechanismDriver):
    def initialize(self):
        pass

    def bind_port(self, context):
        for segment in context.segments_to_bind:
            context.set_binding(
                segment[api.ID],
                portbindings.VIF_TYPE_OVS,
                {portbindings.CAP_PORT_FILTER: True, portbindings.OVS_HYBRID_PLUG: False},
                status=constants.PORT_STATUS_ACTIVE,
            )
            return
'''

CINDER_DRIVER = '''"""refcore sandbox: Cinder's fake volume driver with image copies that finish."""

import io

from cinder.tests import fake_driver

PLACEHOLDER = b"refcore-sandbox volume image\\n" * 64


class RefcoreFakeVolumeDriver(fake_driver.FakeLoggingVolumeDriver):
    def copy_volume_to_image(self, context, volume, image_service, image_meta):
        image_service.update(context, image_meta["id"], {}, io.BytesIO(PLACEHOLDER))

    def copy_image_to_volume(
        self, context, volume, image_service, image_id, disable_sparse=False
    ):
        image_service.show(context, image_id)  # it must exist; there is no disk to write
'''

_DIST = "refcore_sandbox_neutron-1.0.dist-info"


def install_nova_driver(site_packages: Path) -> None:
    (site_packages / "nova" / "virt" / "refcore_fake.py").write_text(NOVA_DRIVER)


def install_neutron_driver(site_packages: Path) -> None:
    (site_packages / "refcore_sandbox_neutron.py").write_text(NEUTRON_DRIVER)
    dist = site_packages / _DIST
    dist.mkdir(exist_ok=True)
    (dist / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: refcore-sandbox-neutron\nVersion: 1.0\n"
    )
    (dist / "entry_points.txt").write_text(
        "[neutron.ml2.mechanism_drivers]\n"
        "refcore_fake = refcore_sandbox_neutron:RefcoreFakeMechanismDriver\n"
    )
    (dist / "top_level.txt").write_text("refcore_sandbox_neutron\n")
    (dist / "RECORD").write_text(
        f"refcore_sandbox_neutron.py,,\n{_DIST}/METADATA,,\n{_DIST}/entry_points.txt,,\n"
        f"{_DIST}/top_level.txt,,\n{_DIST}/RECORD,,\n"
    )


def install_cinder_driver(site_packages: Path) -> None:
    (site_packages / "refcore_sandbox_cinder.py").write_text(CINDER_DRIVER)
