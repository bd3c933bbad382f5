const RENAMES = {
  "on_alarm": "on-alarm",
  "cabi_post_on_alarm": "cabi_post_on-alarm",
  "view_render": "microlith:actor/view@0.1.0#render",
  "cabi_post_view_render": "cabi_post_microlith:actor/view@0.1.0#render",
  "upgrade_schema_version": "microlith:actor/upgrade@0.1.0#schema-version",
  "cabi_post_upgrade_schema_version": "cabi_post_microlith:actor/upgrade@0.1.0#schema-version",
  "upgrade_migrate": "microlith:actor/upgrade@0.1.0#migrate",
  "cabi_post_upgrade_migrate": "cabi_post_microlith:actor/upgrade@0.1.0#migrate",
  "upgrade_self_check": "microlith:actor/upgrade@0.1.0#self-check",
  "cabi_post_upgrade_self_check": "cabi_post_microlith:actor/upgrade@0.1.0#self-check",
};
export default class Rename {
  afterCompile(module) {
    for (const [from, to] of Object.entries(RENAMES)) {
      const ref = module.getExport(from);
      if (!ref) continue;
      const info = this.binaryen.getExportInfo(ref);
      module.removeExport(from);
      module.addFunctionExport(info.value, to);
    }
  }
}
