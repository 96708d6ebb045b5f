// Compiled into a project that sets <TraktorArchCompat>true</TraktorArchCompat> (Traktor.Ecs.targets, docs/ECS.md
// "Compiling Arch code unchanged"); not part of the Traktor.Ecs assembly.
//
// Arch 2.x code starts with `using Arch.Core;` (and .Extensions, .Utils, Arch.Buffer). These empty declarations make
// those namespaces exist in the consuming compilation, so the lines resolve; the types the code then names come from
// the global `using Traktor.Ecs;` the same targets file adds. They declare nothing: no type here stands in for one
// of Arch's. Only namespaces Arch 2.x itself has are declared, so name lookup inside an `Arch.*` namespace (Arch's own
// tests live in `Arch.Tests`) resolves exactly as it does against Arch.
namespace Arch.Core { }

namespace Arch.Core.Extensions { }

namespace Arch.Core.Utils { }

// Not provided here, but declared so that a file importing them compiles wherever it does not call into them: the
// error, if any, then points at the dangerous or internal member used, not at the using line.
namespace Arch.Core.Extensions.Dangerous { }

namespace Arch.Core.Extensions.Internal { }

namespace Arch.Buffer { }
