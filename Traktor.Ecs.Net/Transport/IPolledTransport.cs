namespace Traktor.Ecs.Net.Transport;

/// <summary>
/// A transport told where each poll begins. <see cref="NetClient"/> and <see cref="NetServer"/> call
/// <see cref="BeginPoll"/> before an update's receives, so the UDP transport knows exactly which poll found its socket
/// empty: once a <c>recvmmsg</c> came back short (or empty), every later receive of the same poll answers false without
/// another system call, however the caller interleaves its receives (a <see cref="CompositeTransport"/> takes turns
/// between transports) and whatever it sends meanwhile, and the next poll reads again even when the caller's budget
/// ended the previous one before it saw that end.
/// </summary>
internal interface IPolledTransport
{
    /// <summary>A poll begins: the receives from here until the next call are one poll.</summary>
    void BeginPoll();
}
