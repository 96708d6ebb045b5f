namespace Traktor.Ecs.Net.Transport.Packets;

/// <summary>Where <see cref="SentPackets"/> reports the fate of tracked messages (the connection, which queues an event).</summary>
internal interface IReceiptSink
{
    /// <summary>The message sent with <paramref name="receipt"/> was delivered (its packet acknowledged) or lost.</summary>
    void OnReceipt(uint receipt, bool delivered);
}
