const RENAMES = {
  "on_alarm": "on-alarm",
  "cabi_post_on_alarm": "cabi_post_on-alarm",
  "view_render": "microlith:actor/view@0.1.0#render",
  "cabi_post_view_render": "cabi_post_microlith:actor/view@0.1.0#render",
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
