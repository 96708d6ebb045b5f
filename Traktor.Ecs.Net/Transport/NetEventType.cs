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
    /// <summary>
    /// A packet carrying a message sent with a receipt (<see cref="NetServer.SendTracked"/>) was acknowledged by the peer;
    /// see <see cref="NetEvent.Receipt"/>. Each receipt is reported once: delivered or lost.
    /// </summary>
    Delivered = 4,
    /// <summary>
    /// A message sent with a receipt was not delivered: it was never sent (the update's packets were full) or its packet
    /// was not acknowledged before 64 later packets (an acknowledgement arriving later is ignored); see <see cref="NetEvent.Receipt"/>.
    /// </summary>
    Lost = 5,
}
