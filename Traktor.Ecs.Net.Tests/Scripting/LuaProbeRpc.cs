using System.Numerics;
using Traktor.Ecs.Net.Serialization;

namespace Traktor.Ecs.Net.Tests.Scripting;

/// <summary>
/// An RPC a player sends a Lua-scripted server, with every field type a script reads raw (no range, no quantization): what
/// <see cref="HostileScriptRpcSocketTests"/> fills with hostile values.
/// </summary>
[Rpc]
public struct LuaProbeRpc
{
    public float Speed;
    public double Mass;
    public Vector3 Aim;
    public FixedString64 Name;
    public long Big;
    public ulong Huge;
    public int Small;
    public bool Flag;
}
