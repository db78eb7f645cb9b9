# -*- coding: utf-8 -*-
# SPDX-License-Identifier: GPL-2.0-or-later
# Copyright (C) 2026 The pinhole authors.
#
# Action plugin for the `pinhole` module (SPEC 6.8): with `confirm:`, the
# module applies with `pinhole apply --confirm S` and returns the confirm
# command; this plugin then resets the connection and runs `pinhole confirm`
# over a NEW one, which proves that new connections to the target still work
# (the old, multiplexed ssh session proves nothing). If the new connection
# cannot be opened, or the confirm fails, the task fails and pinhole's timer
# restores the previous table at the deadline.
#
# Ansible finds it with ANSIBLE_ACTION_PLUGINS=contrib/ansible-action-plugins.
# It cannot live under contrib/ansible/: Ansible also searches the
# subdirectories (two levels deep) of ANSIBLE_LIBRARY for modules, before the
# directory itself, and would take this file for the module. Without it the
# module confirms right after the apply, in the same run.

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible.errors import AnsibleError
from ansible.plugins.action import ActionBase


class ActionModule(ActionBase):

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        del tmp
        args = dict(self._task.args)
        if args.get('confirm') not in (None, ''):
            args['_confirm_later'] = True
        r = self._execute_module(module_name='pinhole', module_args=args,
                                 task_vars=task_vars)
        result.update(r)
        argv = r.get('confirm_command')
        if r.get('failed') or not argv:
            return result
        del result['confirm_command']

        result['commands'] = list(result.get('commands', [])) + [argv]
        result['confirm_connection'] = 'new'
        deadline = "the previous table is restored by itself at the deadline"
        try:
            # ssh: stops the ControlPersist master, so the next command opens
            # a new connection; local: nothing to reset (the confirm is a
            # process of its own, after the apply's has ended)
            name = getattr(self._connection, '_load_name', None) or self._connection.transport
            if name.split('.')[-1] != 'local':
                self._connection.reset()
            c = self._execute_module(module_name='ansible.legacy.command',
                                     module_args=dict(argv=argv),
                                     task_vars=task_vars)
        except AnsibleError as e:
            result.update(failed=True, confirmed=False,
                          msg="applied with --confirm but a new connection to the "
                              "target failed: %s; %s" % (e, deadline))
            return result
        for k in ('stdout', 'stderr'):
            result[k] = c.get(k, '')
        result['pinhole_rc'] = c.get('rc')
        if c.get('failed') or c.get('rc') != 0:
            text = (c.get('stderr', '').strip() or c.get('stdout', '').strip()
                    or c.get('msg') or "exit status %s" % c.get('rc'))
            result.update(failed=True, confirmed=False,
                          msg="applied with --confirm but 'pinhole confirm' failed: "
                              "%s; %s" % (text, deadline))
            return result
        result.update(confirmed=True,
                      msg="applied %s and confirmed over a new connection"
                          % args.get('policy'))
        return result
