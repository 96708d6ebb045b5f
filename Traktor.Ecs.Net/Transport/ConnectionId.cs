using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net;

/// <summary>A server's handle to one connection; a slot reused by a later client gets a new generation.</summary>
public readonly record struct ConnectionId(int Slot, int Generation)
{
    /// <inheritdoc />
    public override string ToString() => $"#{Slot}.{Generation}";
}
