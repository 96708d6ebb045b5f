using System.Net;
using System.Net.Sockets;

namespace Traktor.Ecs.Net;

/// <summary>
/// A transport could not bind its local address because another socket holds it (typically another server on the
/// same port). A <see cref="SocketException"/> with <see cref="SocketError.AddressAlreadyInUse"/>, whose message and
/// <see cref="Address"/> name the address, so a host can print one clear line instead of a stack trace.
/// </summary>
public sealed class AddressInUseException : SocketException
{
    /// <summary>Creates the exception for <paramref name="address"/> over <paramref name="kind"/>.</summary>
    /// <param name="address">The local endpoint that was taken.</param>
    /// <param name="kind">The transport that tried to bind it.</param>
    public AddressInUseException(IPEndPoint address, TransportKind kind = TransportKind.Udp)
        : base((int)SocketError.AddressAlreadyInUse)
    {
        ArgumentNullException.ThrowIfNull(address);
        Address = address;
        Kind = kind;
    }

    /// <summary>The local endpoint that was taken.</summary>
    public IPEndPoint Address { get; }

    /// <summary>The transport that tried to bind it.</summary>
    public TransportKind Kind { get; }

    /// <inheritdoc />
    public override string Message => $"{Kind.ToString().ToUpperInvariant()} address {Address} is already in use (another process listens on it); choose another port.";
}
