using System.Diagnostics;

namespace Traktor.Ecs.Net.Tests.Transport;

/// <summary>
/// Carries one datagram across a real transport for the steady-state allocation tests, with datagram semantics and a
/// deadline: a transport may lose a datagram (on a loaded machine a stream connect attempt can fail and take what was
/// queued on it), so the sender repeats after a second of silence, and a wait past a minute fails the test instead of
/// spinning forever (an unbounded wait once held a CI slot for 30 minutes). Allocates nothing on the way.
/// </summary>
internal static class DatagramDelivery
{
    /// <summary>
    /// Sends <paramref name="payload"/> until <paramref name="receiver"/> gets it; drains any repeats; returns the source it saw.
    /// <paramref name="pumpSender"/> also runs the sender's receive pass while waiting (a stream client opens its connection there).
    /// </summary>
    public static NetAddress Deliver(IDatagramTransport sender, in NetAddress destination, IDatagramTransport receiver, byte[] payload, byte[] buffer, bool pumpSender = false, Func<string>? describe = null)
    {
        long start = Stopwatch.GetTimestamp(), sentAt = start;
        sender.TrySend(payload, destination);
        while (true)
        {
            if (receiver.TryReceive(buffer, out _, out var source))
            {
                while (receiver.TryReceive(buffer, out _, out _)) { }
                return source;
            }
            if (pumpSender) sender.TryReceive(buffer, out _, out _); // a stream client's receive pass runs its connection upkeep
            if (Stopwatch.GetElapsedTime(sentAt) > TimeSpan.FromSeconds(1))
            {
                sender.TrySend(payload, destination);
                sentAt = Stopwatch.GetTimestamp();
            }
            if (Stopwatch.GetElapsedTime(start) > TimeSpan.FromMinutes(1))
            {
                Assert.Fail("no datagram arrived for a minute" + (describe is null ? "" : "; " + describe()));
            }
        }
    }
}
