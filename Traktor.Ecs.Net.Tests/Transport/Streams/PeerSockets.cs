using System.Net.Sockets;

namespace Traktor.Ecs.Net.Tests.Transport.Streams;

/// <summary>Raw sockets playing the far end of a stream transport in tests.</summary>
internal static class PeerSockets
{
    /// <summary>
    /// True when the other end closed or reset <paramref name="socket"/> within <paramref name="seconds"/>. The default only
    /// guards against a hang (the suite runs on 2 loaded cores); a test that expects the socket to stay open passes a short wait.
    /// </summary>
    public static bool Closed(Socket socket, double seconds = 30)
    {
        socket.ReceiveTimeout = (int)(seconds * 1000);
        var buffer = new byte[1024];
        try
        {
            while (true)
            {
                if (socket.Receive(buffer) == 0) return true;
            }
        }
        catch (SocketException e)
        {
            return e.SocketErrorCode == SocketError.ConnectionReset;
        }
    }
}
