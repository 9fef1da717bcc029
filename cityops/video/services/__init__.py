"""Every write to the camera registry: projects, sites, channels, their build status and the
virtual-organisation tree. Keyword-only, everything checked before anything is written, one
transaction each, an audit record each.

A site is located when it is written (its point gives its area, village and grid); its channels
copy that location and its project, so scope and the online-rate group-bys are filters on the
channel's own row. A channel's stream addresses are stored without user:password; the credentials
are sealed apart (``credentials.py``) and never appear in an error, an audit record or a log.
"""

from cityops.video.services.channels import (  # noqa: F401
    ChannelIn,
    Streams,
    build_errors,
    channel_apply,
    channel_create,
    channel_errors,
    channel_facts,
    channel_set_build_status,
    channel_update,
    channel_write_new,
    group_for_channel_errors,
    stream_errors,
)
from cityops.video.services.common import (  # noqa: F401
    BUILD_DATE,
    CODE_RE,
    UNSET,
    WHAT,
    _fail,
    _for_change,
    _require,
    _still_in_scope,
    _text_errors,
    point_errors,
)
from cityops.video.services.groups import (  # noqa: F401
    group_create,
    group_parent_errors,
    group_update,
)
from cityops.video.services.projects import (  # noqa: F401
    PROJECT_FIELDS,
    _project_errors,
    project_create,
    project_update,
)
from cityops.video.services.sites import (  # noqa: F401
    SiteIn,
    site_apply,
    site_create,
    site_errors,
    site_update,
    site_write_new,
)
