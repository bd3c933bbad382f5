// The component's exports. `microlith build` compiles this file together
// with the actor's own entry file; the actor's author never touches it.
export { handle, on_alarm, cabi_realloc, cabi_post_handle, cabi_post_on_alarm } from "microlith/abi";
