// `refuses-deploy`: an AssemblyScript class whose self-check fails, so every
// deploy of it is refused with the message below
// (crates/microlith-server/tests/all/upgrade_langs.rs). It would otherwise
// answer `ping` with {"pong": true}.

import { Actor, JsonValue, Reply, Request, register } from "microlith";

class RefusesDeploy extends Actor {
  handle(req: Request): Reply {
    if (req.method == "ping") return Reply.json(JsonValue.object().set("pong", JsonValue.bool(true)));
    return req.unknownMethod();
  }

  selfCheck(): Reply {
    return Reply.failed("the AssemblyScript refuses-deploy class refuses to serve");
  }
}

register(new RefusesDeploy());
