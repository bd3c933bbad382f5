// The component's exports. `microlith build` compiles this file together
// with the actor's own entry file; the actor's author never touches it.
export {
  handle,
  on_alarm,
  view_render,
  cabi_realloc,
  cabi_post_handle,
  cabi_post_on_alarm,
  cabi_post_view_render,
  upgrade_schema_version,
  upgrade_migrate,
  upgrade_self_check,
  cabi_post_upgrade_schema_version,
  cabi_post_upgrade_migrate,
  cabi_post_upgrade_self_check,
} from "microlith/abi";
