using Traktor.Ecs.Net.Diagnostics;
using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net.Fuzz.Targets;

/// <summary>
/// A server endpoint whose events the harness scripts: connections come and go and deliver whatever messages the
/// fuzz input holds, as the transport would after reassembly. What the server sends is counted and dropped.
/// </summary>
internal sealed class ScriptedEndpoint : IServerEndpoint
{
    private readonly Queue<NetEvent> _events = new();
    private readonly HashSet<ConnectionId> _connected = new();

    public NetAddress LocalAddress => Wire.Server;

    public int ConnectionCount => _connected.Count;

    public int MaxUnfragmentedMessageSize => 1133;

    // Nothing here waits on a deadline: the harness drives every event itself.
    public TimeProvider Clock => TimeProvider.System;

    public long SentMessages { get; private set; }

    public bool IsConnected(ConnectionId connection) => _connected.Contains(connection);

    public void Connect(ConnectionId connection, ulong clientId)
    {
        if (_connected.Add(connection)) _events.Enqueue(new NetEvent(NetEventType.Connected, connection, clientId, default, default, default));
    }

    public void Message(ConnectionId connection, ChannelKind channel, ReadOnlySpan<byte> data)
    {
        if (_connected.Contains(connection)) _events.Enqueue(new NetEvent(NetEventType.Message, connection, (ulong)connection.Slot, channel, default, data.ToArray()));
    }

    public void Disconnect(ConnectionId connection, DisconnectReason reason = DisconnectReason.Kicked)
    {
        if (_connected.Remove(connection)) _events.Enqueue(new NetEvent(NetEventType.Disconnected, connection, (ulong)connection.Slot, default, reason, default));
    }

    public void Update()
    {
    }

    public void Flush()
    {
    }

    public bool TryPollEvent(out NetEvent netEvent) => _events.TryDequeue(out netEvent);

    public SendResult Send(ConnectionId connection, ChannelKind channel, ReadOnlySpan<byte> message)
    {
        if (!_connected.Contains(connection)) return SendResult.NotConnected;
        SentMessages++;
        return SendResult.Queued;
    }

    public SendResult SendTracked(ConnectionId connection, ReadOnlySpan<byte> message, uint receipt) =>
        Send(connection, ChannelKind.Unreliable, message);

    public void Broadcast(ChannelKind channel, ReadOnlySpan<byte> message) => SentMessages += _connected.Count;

    public bool TryGetStats(ConnectionId connection, out NetStats stats)
    {
        stats = default;
        return _connected.Contains(connection);
    }

    public bool TryGetAddress(ConnectionId connection, out NetAddress address)
    {
        address = Wire.Peers[connection.Slot % Wire.Peers.Length];
        return _connected.Contains(connection);
    }
}
