using System.Numerics;
using Traktor.Ecs.Net;

namespace Skirmish;

// ---- The network schema: replicated components, the input command, RPCs. ----

[Replicated(Smoothing = Smoothing.Interpolate)]                       // everyone sees it, smoothly
public struct Position { [Range(-512, 512)] [Quantize(0.01f)] public Vector2 Value; }

[Replicated(Audience = Audience.Owner, Smoothing = Smoothing.Predict)] // the owner predicts its ship
public struct Ship { [Range(-512, 512)] [Quantize(0.01f)] public Vector2 Position, Velocity; }

[Replicated(Smoothing = Smoothing.Snap)]
public struct Bullet { [Range(0, 127)] public int Life; [Range(-64, 64)] [Quantize(0.01f)] public Vector2 Velocity; }

[NetInput]
public struct Steer { [Range(-1, 1)] [Quantize(0.01f)] public float X, Y; }

[Rpc] public struct Chat { public FixedString64 Text; }                 // client → server → other clients
[Rpc] public struct Fire { [Range(-1, 1)] [Quantize(0.01f)] public Vector2 Direction; }   // client → server
[Rpc] public struct Fired { public NetworkId Shooter; }                 // server → every client
