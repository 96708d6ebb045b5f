namespace Traktor.Ecs.Net.Rpc;

/// <summary>The per-world counter behind <see cref="RpcOutgoing.Order"/>, kept as a world resource.</summary>
internal sealed class RpcSendOrder
{
    private ulong next;

    /// <summary>The next order value.</summary>
    /// <returns>A value larger than every earlier one.</returns>
    public ulong Next() => next++;
}
