#!/usr/bin/python3
# -*- coding: utf-8 -*-
# SPDX-License-Identifier: GPL-2.0-or-later
# Copyright (C) 2026 The pinhole authors.
#
# Ansible module `pinhole` (SPEC 6.8): found with ANSIBLE_LIBRARY=contrib/ansible.
# Python 3 standard library plus ansible.module_utils.basic (ships with
# ansible-core); no third-party packages.

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: pinhole
short_description: Load a pinhole IPv6 firewall policy into nftables
description:
  - Compiles a YAML policy with C(pinhole) on the target and atomically
    replaces the one nftables table pinhole owns, or removes that table.
  - C(changed) comes from C(pinhole diff)'s exit status (0 the same,
    1 different), so a second run with the same policy is unchanged.
  - Check mode runs only C(pinhole diff) or C(pinhole status); nothing is
    loaded or removed.
  - Diff mode returns pinhole's unified diff (C(--- live), C(+++ POLICY)) as
    the result's C(diff.prepared).
  - "A policy with errors fails the task; the message is pinhole's located
    errors (C(FILE:LINE:COL: error: ...))."
version_added: "1.0"
author: The pinhole authors
options:
  policy:
    description:
      - Path of the policy file B(on the target). Required with
        I(state=present); ignored with I(state=absent).
    type: path
  state:
    description:
      - C(present) loads the policy when the live table differs from it
        (C(pinhole apply)).
      - C(absent) deletes pinhole's table (C(pinhole flush)); C(changed) when
        a table was loaded (C(pinhole status) exit 0).
    type: str
    choices: [present, absent]
    default: present
  netns:
    description:
      - Work inside the named network namespace (C(--netns NAME),
        C(/run/netns/NAME)).
    type: str
  state_dir:
    description:
      - pinhole's state directory (C(--state-dir DIR)); pinhole's default is
        C(/var/lib/pinhole). Use a separate one per I(netns).
    type: path
  confirm:
    description:
      - Seconds (1 to 86400). Apply with C(pinhole apply --confirm SECONDS),
        then run C(pinhole confirm). Unless the confirm arrives within
        SECONDS the previous table comes back by itself.
      - With the action plugin (C(ANSIBLE_ACTION_PLUGINS=contrib/ansible-action-plugins))
        the confirm runs over a B(new) connection to the target (the old one
        is reset first), which proves that new connections still work.
        Without it, and over a local connection, it runs right after the
        apply.
      - If the C(confirm) fails, or the new connection cannot be opened, the
        task fails with the message, and the rollback happens by itself at
        the deadline.
      - Only used when the table changes (and never in check mode).
    type: int
  binary:
    description:
      - The pinhole executable on the target, a name looked up in C(PATH) or
        a path.
    type: str
    default: pinhole
notes:
  - Supports check mode and diff mode.
  - Needs root on the target (netlink), as pinhole does.
  - The policy must already be on the target; copy it first, for example with
    M(ansible.builtin.copy) and C(validate=pinhole check %s).
requirements:
  - pinhole on the target
  - Python 3 on the target
'''

EXAMPLES = r'''
- name: Put the policy in place (validated before it replaces the old one)
  ansible.builtin.copy:
    src: "policies/{{ inventory_hostname }}.yaml"
    dest: /etc/pinhole/pinhole.yaml
    validate: pinhole check %s

- name: Load it, keep it only when new connections still work
  pinhole:
    policy: /etc/pinhole/pinhole.yaml
    confirm: 90

- name: One router per network namespace on a lab machine
  pinhole:
    policy: /srv/lab/router1.yaml
    netns: router1
    state_dir: /var/lib/pinhole-router1

- name: Remove pinhole's table
  pinhole:
    state: absent
'''

RETURN = r'''
changed:
  description: Whether the live table differed (present) or existed (absent).
  returned: always
  type: bool
diff:
  description: pinhole's unified diff of the live table against the policy.
  returned: in diff mode, with I(state=present)
  type: dict
  sample: {prepared: "--- live\n+++ /etc/pinhole/pinhole.yaml\n@@ -0,0 +1,32 @@\n+table inet pinhole {\n..."}
confirmed:
  description: Whether C(pinhole confirm) kept the table applied with I(confirm).
  returned: when I(confirm) was set and the table was applied
  type: bool
confirm_connection:
  description: C(new) when the action plugin confirmed over a new connection
    (over a local connection, in a process of its own after the apply's),
    C(same) when the module confirmed right after the apply, in its run.
  returned: when I(confirm) was set and the table was applied
  type: str
commands:
  description: The pinhole command lines run, in order.
  returned: always
  type: list
  elements: list
  sample: [["pinhole", "--netns", "router1", "diff", "/srv/lab/router1.yaml"],
           ["pinhole", "--netns", "router1", "apply", "/srv/lab/router1.yaml"]]
pinhole_rc:
  description:
    - Exit status of the last pinhole command run (C(diff) exits 1 when the
      table differs, C(status) 1 when it is not loaded). Not named C(rc),
      since Ansible takes a non-zero C(rc) for a failure.
  returned: always
  type: int
stdout:
  description: Standard output of the last pinhole command run.
  returned: always
  type: str
stderr:
  description: Standard error of the last pinhole command run.
  returned: always
  type: str
msg:
  description: What was done, or on failure pinhole's messages (the located
    errors for a bad policy).
  returned: always
  type: str
'''

import os

from ansible.module_utils.basic import AnsibleModule


class Pinhole(object):
    def __init__(self, module):
        self.module = module
        p = module.params
        binary = p['binary']
        if os.sep in binary:
            if not os.access(binary, os.X_OK):
                module.fail_json(msg="pinhole binary %s is not executable" % binary,
                                 changed=False, commands=[], pinhole_rc=None,
                                 stdout='', stderr='')
            self.binary = binary
        else:
            self.binary = module.get_bin_path(binary, required=True)
        self.base = [self.binary]
        if p['netns']:
            self.base += ['--netns', p['netns']]
        if p['state_dir']:
            self.base += ['--state-dir', p['state_dir']]
        self.commands = []
        self.warnings = []
        self.last = (None, '', '')

    def run(self, *args):
        argv = self.base + list(args)
        self.commands.append(argv)
        rc, out, err = self.module.run_command(argv, environ_update={'LC_ALL': 'C'})
        self.last = (rc, out, err)
        for line in err.splitlines():
            if ' warning: ' in line or line.startswith('warning: ') \
                    or line.startswith('pinhole: warning: '):
                if line not in self.warnings:
                    self.warnings.append(line)
        return rc, out, err

    def result(self, **kw):
        rc, out, err = self.last
        r = dict(commands=self.commands, pinhole_rc=rc, stdout=out, stderr=err)
        r.update(kw)
        return r

    def exit(self, **kw):
        for w in self.warnings:
            self.module.warn(w)
        self.module.exit_json(**self.result(**kw))

    def fail(self, msg, **kw):
        for w in self.warnings:
            self.module.warn(w)
        self.module.fail_json(**self.result(msg=msg, **kw))

    def fail_last(self, what, **kw):
        rc, out, err = self.last
        text = (err.strip() or out.strip()
                or "pinhole %s exited with status %s" % (what, rc))
        self.fail(text, changed=kw.pop('changed', False), **kw)


def present(ph, module):
    p = module.params
    policy = p['policy']
    rc, out, err = ph.run('diff', policy)
    if rc not in (0, 1):
        # 2: the policy (located errors on stderr) or the command line is
        # wrong; 3: the system refused
        ph.fail_last('diff')
    changed = rc == 1
    extra = {}
    if module._diff:
        extra['diff'] = dict(prepared=out)
    if not changed:
        ph.exit(changed=False, msg="the live table is the policy", **extra)
    if module.check_mode:
        ph.exit(changed=True, msg="the live table differs from the policy (check mode)",
                **extra)

    confirm = p['confirm']
    if confirm is not None:
        rc, out, err = ph.run('apply', policy, '--confirm', str(confirm))
    else:
        rc, out, err = ph.run('apply', policy)
    if rc != 0:
        # a failing apply leaves the old table exactly as it was
        ph.fail_last('apply', **extra)
    if confirm is None:
        ph.exit(changed=True, msg="applied %s" % policy, **extra)

    if p['_confirm_later']:
        # the action plugin (contrib/ansible-action-plugins) runs the confirm over
        # a new connection: that one proves new connections still work
        ph.exit(changed=True, confirmed=False, confirm_command=ph.base + ['confirm'],
                msg="applied %s with --confirm %d; confirm pending" % (policy, confirm),
                **extra)

    # Without the action plugin the confirm comes right after the apply, in
    # this run: over a local connection that is all there is to prove.
    rc, out, err = ph.run('confirm')
    if rc != 0:
        msg = (err.strip() or out.strip()
               or "pinhole confirm exited with status %s" % rc)
        ph.fail("applied with --confirm %d but 'pinhole confirm' failed: %s; "
                "the previous table is restored by itself at the deadline"
                % (confirm, msg), changed=True, confirmed=False,
                confirm_connection='same', **extra)
    ph.exit(changed=True, confirmed=True, confirm_connection='same',
            msg="applied %s and confirmed" % policy, **extra)


def absent(ph, module):
    # `status` without --table looks at the table pinhole loaded last (the
    # state directory remembers it), else `pinhole`; `flush` deletes both,
    # so look at both. Exit 1: not loaded.
    loaded = False
    for args in (('status',), ('status', '--table', 'pinhole')):
        rc, out, err = ph.run(*args)
        if rc == 0:
            loaded = True
            break
        if rc != 1:
            ph.fail_last('status')
    if not loaded:
        ph.exit(changed=False, msg="no pinhole table is loaded")
    if module.check_mode:
        ph.exit(changed=True, msg="the table would be deleted (check mode)")
    rc, out, err = ph.run('flush')
    if rc != 0:
        ph.fail_last('flush')
    ph.exit(changed=True, msg="pinhole's table deleted")


def main():
    module = AnsibleModule(
        argument_spec=dict(
            policy=dict(type='path'),
            state=dict(type='str', default='present', choices=['present', 'absent']),
            netns=dict(type='str'),
            state_dir=dict(type='path'),
            confirm=dict(type='int'),
            binary=dict(type='str', default='pinhole'),
            # set by the action plugin only: apply --confirm, leave the
            # confirm to it (returned as confirm_command)
            _confirm_later=dict(type='bool', default=False),
        ),
        required_if=[('state', 'present', ('policy',))],
        supports_check_mode=True,
    )
    c = module.params['confirm']
    if c is not None and not 1 <= c <= 86400:
        module.fail_json(msg="confirm must be 1 to 86400 seconds, not %d" % c)
    ph = Pinhole(module)
    if module.params['state'] == 'present':
        present(ph, module)
    else:
        absent(ph, module)


if __name__ == '__main__':
    main()
