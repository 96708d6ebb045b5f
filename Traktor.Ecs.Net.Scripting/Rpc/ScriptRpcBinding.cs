using Traktor.Ecs.Net.Rpc;

namespace Traktor.Ecs.Net.Scripting.Rpc;

/// <summary>One script RPC name bound to its <c>[Rpc]</c> struct: table → struct → event entity, and back.</summary>
internal abstract class ScriptRpcBinding(string name)
{
    /// <summary>The name scripts use.</summary>
    public string Name { get; } = name;

    /// <summary>Fills the struct from <paramref name="parameters"/> and queues it as an RPC to <paramref name="target"/>.</summary>
    /// <exception cref="Runtime.ScriptCallException">A key, type, range or length the struct cannot hold.</exception>
    public abstract void Send(World world, ScriptTable parameters, RpcTarget target);

    /// <summary>Appends every received RPC of this type in the world this tick, as tables, with its source.</summary>
    public abstract void Collect(World world, List<(ScriptTable Parameters, RpcSource Source)> into);
}
