using System.Net;
using Microsoft.AspNetCore.Connections;
using Traktor.Ecs.Net.Transport.Streams;

namespace Traktor.Ecs.Net.Web.Transport;

/// <summary>
/// Kestrel connection middleware of the WebSocket transport: counts TCP connections per remote IP address and per
/// network (/24, /64) as they are accepted, before any TLS or HTTP byte is read, and closes those beyond the limits at
/// once. Without it the per-address budget applied only at the upgrade, so one address could hold every connection
/// Kestrel allows with requests it never finished (each for the 5 s header timeout, then again) or with a finished
/// non-upgrade request kept alive (Kestrel's 130 s), and no honest player got in (measured: 1,088 such connections
/// from 127.0.0.1 refused every upgrade). The gate allows <see cref="Slack"/> connections above the upgrade limits so a
/// peer at its limit is still told why (503) rather than cut off.
/// </summary>
internal sealed class ConnectionGate
{
    /// <summary>Connections an address or network may hold beyond its upgrade limit: requests on their way to a 503 or a 426.</summary>
    public const int Slack = 4;

    private readonly Lock _lock = new();
    private readonly AddressCounts _counts = new();
    private readonly int _perAddress;
    private readonly int _perSubnet;
    private readonly StreamTransportCounters _counters;

    public ConnectionGate(StreamTransportOptions options, StreamTransportCounters counters)
    {
        _perAddress = options.MaxConnectionsPerAddress + Slack;
        _perSubnet = options.MaxConnectionsPerSubnet + Slack;
        _counters = counters;
    }

    /// <summary>Runs <paramref name="next"/> for <paramref name="connection"/> if its address and network have room; closes it otherwise.</summary>
    public async Task RunAsync(ConnectionContext connection, ConnectionDelegate next)
    {
        if (connection.RemoteEndPoint is not IPEndPoint remote)
        {
            await next(connection).ConfigureAwait(false); // not a network socket (a test pipe): nothing to count
            return;
        }
        var address = NetAddress.FromEndPoint(remote, TransportKind.WebSocket);
        bool admitted;
        lock (_lock) admitted = _counts.TryAdd(address, _perAddress, _perSubnet);
        if (!admitted)
        {
            _counters.OnRefused();
            connection.Abort(); // before a byte is read: nothing for the peer to hold on to
            return;
        }
        try
        {
            await next(connection).ConfigureAwait(false); // until the connection ends, upgraded or not
        }
        finally
        {
            lock (_lock) _counts.Remove(address);
        }
    }
}
