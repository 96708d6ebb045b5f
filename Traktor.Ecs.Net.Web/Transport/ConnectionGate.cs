using System.Net;
using Microsoft.AspNetCore.Connections;
using Traktor.Ecs.Net.Transport.Security;
using Traktor.Ecs.Net.Transport.Streams;

namespace Traktor.Ecs.Net.Web.Transport;

/// <summary>
/// Kestrel connection middleware of the WebSocket transport: counts TCP connections per remote IP address and per
/// network (/24, /64) as they are accepted, before any TLS or HTTP byte is read, and closes those beyond the limits at
/// once. Without it the per-address budget applied only at the upgrade, so one address could hold every connection
/// Kestrel allows with requests it never finished (each for the 5 s header timeout, then again) or with a finished
/// non-upgrade request kept alive (Kestrel's 130 s), and no honest player got in (measured: 1,088 such connections
/// from 127.0.0.1 refused every upgrade). The gate allows <see cref="Slack"/> connections above the upgrade limits so a
/// peer at its limit is still told why (503) rather than cut off. It also holds each address to
/// <see cref="StreamTransportOptions.ConnectionRatePerSecond"/> new connections (burst <see cref="StreamTransportOptions.ConnectionBurst"/>):
/// the limits above bound how many it holds, not how often it opens them, and every connection let through costs an
/// HTTP parse, an upgrade and a channel's buffers (measured: 4,748 upgrades in 10 s from one address, now 114).
/// </summary>
internal sealed class ConnectionGate
{
    /// <summary>Connections an address or network may hold beyond its upgrade limit: requests on their way to a 503 or a 426.</summary>
    public const int Slack = 4;

    /// <summary>Buckets of each of the rate limiter's two tables (fixed: 256 KiB in all, whatever the number of addresses).</summary>
    private const int RateTableSize = 8192;

    private readonly Lock _lock = new();
    private readonly AddressCounts _counts = new();
    private readonly int _perAddress;
    private readonly int _perSubnet;
    private readonly StreamTransportCounters _counters;
    private readonly AddressRateLimiter _rate;
    private readonly Func<double> _now;

    /// <summary>A gate with <paramref name="options"/>' limits, counting refusals into <paramref name="counters"/>; <paramref name="now"/> is the transport's clock in seconds.</summary>
    public ConnectionGate(StreamTransportOptions options, StreamTransportCounters counters, Func<double> now)
    {
        _rate = new AddressRateLimiter(RateTableSize, options.ConnectionRatePerSecond, options.ConnectionBurst);
        _now = now;
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
        lock (_lock) admitted = _rate.TryTake(address, _now()) && _counts.TryAdd(address, _perAddress, _perSubnet);
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
