using System.Net;
using System.Net.Sockets;

namespace Traktor.Ecs.Net.Tests;

/// <summary>
/// Loopback ports free at the time of asking, for tests that must tell a child process (or a server bound later) which
/// port to use. The probe socket is closed before returning, so another process could take the port in between; the
/// tests that use these accept that small window rather than binding port 0 themselves, because the port has to be
/// known before the process that binds it starts.
/// </summary>
internal static class LoopbackPorts
{
    /// <summary>A UDP port on 127.0.0.1 that was free a moment ago.</summary>
    public static int FreeUdp()
    {
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)probe.LocalEndPoint!).Port;
    }

    /// <summary>A TCP port on 127.0.0.1 that was free a moment ago.</summary>
    public static int FreeTcp()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
