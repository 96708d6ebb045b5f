using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net;

/// <summary>What a <see cref="NetEvent"/> reports.</summary>
public enum NetEventType : byte
{
    /// <summary>A connection was established.</summary>
    Connected = 1,
    /// <summary>A connection ended, or a connection attempt failed; see <see cref="NetEvent.Reason"/>.</summary>
    Disconnected = 2,
    /// <summary>A message arrived; see <see cref="NetEvent.Data"/>.</summary>
    Message = 3,
}
