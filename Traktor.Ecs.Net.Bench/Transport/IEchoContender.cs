namespace Traktor.Ecs.Net.Bench.Transport;

/// <summary>One transport in the echo-server CPU report: a server that echoes and clients that send.</summary>
internal interface IEchoContender : IDisposable
{
    /// <summary>Connects every client, ticking both sides on the calling thread.</summary>
    void Connect(TimeSpan timeout);

    /// <summary>One server tick: receive everything, echo each message to its sender, send.</summary>
    void ServerTick();

    /// <summary>One client tick: every client sends <paramref name="message"/> once and reads its echoes.</summary>
    void ClientsTick(byte[] message);

    /// <summary>Messages the server has echoed so far (read from another thread).</summary>
    long Echoed { get; }

    /// <summary>Echoes the clients have received so far.</summary>
    long Returned { get; }
}
