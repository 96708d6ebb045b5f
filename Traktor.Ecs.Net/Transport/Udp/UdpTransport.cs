using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Traktor.Ecs.Net.Transport;
using Traktor.Ecs.Net.Transport.Udp;

namespace Traktor.Ecs.Net;

/// <summary>
/// A polled UDP socket: dual-mode IPv6 (IPv4 clients appear as ::ffff:a.b.c.d) when bound to [::], with
/// allocation-free sends and receives through reused <see cref="SocketAddress"/> instances. On 64-bit Linux, receives read
/// up to 64 datagrams per system call (<c>recvmmsg</c>, <see cref="ReceiveBatch"/>), and sends between
/// <see cref="BeginSendBatch"/> and <see cref="FlushSends"/> leave up to 64 per call (<c>sendmmsg</c>, <see cref="SendBatch"/>). Socket errors —
/// ICMP port unreachable surfacing as ConnectionReset or ConnectionRefused above all — are counted and skipped,
/// never thrown.
/// </summary>
public sealed partial class UdpTransport : IDatagramTransport, IPolledTransport
{
    private const int SioUdpConnReset = -1744830452; // Windows: IOC_IN | IOC_VENDOR | 12
    private const int MaxErrorsPerReceive = 64; // errors and oversized datagrams skipped by one TryReceive
    private readonly Socket _socket;
    private readonly SocketAddress _receiveAddress;
    private readonly SocketAddress _sendAddress;
    private readonly ILogger _logger;

    // Linux truncates a datagram larger than the read buffer without an error, so reads go to a buffer that
    // holds any UDP datagram and only those that fit the caller's buffer are passed on.
    private readonly byte[] _receiveBuffer = new byte[65536];
    private bool _disposed;

    // The batched read (64-bit Linux): datagrams read but not yet handed out wait here, in order.
    private ReceiveBatch? _batch;
    private bool _batchUnavailable = !ReceiveBatch.IsSupported
        || (AppContext.TryGetSwitch(DisableReceiveBatchSwitch, out bool disabled) && disabled);

    /// <summary>
    /// The <see cref="AppContext"/> switch that turns the batched receive off (one read per datagram, as on other
    /// systems): an escape hatch, and the capacity run's comparison.
    /// </summary>
    internal const string DisableReceiveBatchSwitch = "Traktor.Ecs.Net.Udp.DisableReceiveBatch";
    private int _batchCount;
    private int _batchNext;

    // The last read returned fewer datagrams than the batch holds: the socket was empty then, so once those are handed
    // out the poll ends without another recvmmsg that could only find it empty (EAGAIN); the next poll reads again.
    // A poll its caller's budget ended on the batch's last datagram never reached that end: a send (the tick's, after its
    // receives) clears the mark, so the next poll does not take it for its own end and leave the waiting datagrams unread.
    // A caller that says where its polls begin (BeginPoll: NetClient, NetServer) gets the exact rule instead: the mark, set
    // by a short or empty read, holds until the next poll begins, sends do not touch it, and every receive of the poll
    // after it answers false without a system call.
    // Why two rules and not one: only the exact rule is right, but it needs BeginPoll, which is internal
    // (IPolledTransport), and not every caller makes it. This class is public and its users poll it directly; so do the
    // Introducer and the decorators (LinkSimulator, NatSimulator, NatTraversal), which do not forward BeginPoll, so a
    // NetServer over one of them gets the guessing rule. Dropping the guess would cost those callers an empty recvmmsg
    // per poll; the worst the guess does is one poll that reads nothing (after a poll its budget ended on the batch's last
    // datagram, with no send between), and the poll after it reads what waits.
    private bool _batchDrained;
    private bool _pollsBegun;

    // The batched send (64-bit Linux): datagrams queued between BeginSendBatch and FlushSends.
    private SendBatch? _sendBatch;
    private bool _batchingSends;
    private bool _sendBatchUnavailable = !SendBatch.IsSupported
        || (AppContext.TryGetSwitch(DisableSendBatchSwitch, out bool sendDisabled) && sendDisabled);

    /// <summary>
    /// The <see cref="AppContext"/> switch that turns the batched send off (one <c>sendto</c> per datagram, as on other
    /// systems): an escape hatch, and the capacity run's comparison.
    /// </summary>
    internal const string DisableSendBatchSwitch = "Traktor.Ecs.Net.Udp.DisableSendBatch";

    /// <summary>
    /// Binds to <paramref name="localEndPoint"/>; binding to <see cref="IPAddress.IPv6Any"/> enables dual mode. Throws
    /// <see cref="AddressInUseException"/> when another socket holds the address.
    /// </summary>
    public UdpTransport(IPEndPoint localEndPoint, ILogger? logger = null, int socketBufferBytes = 4 * 1024 * 1024)
    {
        ArgumentNullException.ThrowIfNull(localEndPoint);
        _logger = logger ?? NullLogger.Instance;
        _socket = new Socket(localEndPoint.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            if (localEndPoint.Address.Equals(IPAddress.IPv6Any)) _socket.DualMode = true;
            if (OperatingSystem.IsWindows()) _socket.IOControl(SioUdpConnReset, [0, 0, 0, 0], null);
            _socket.Blocking = false;
            _socket.ReceiveBufferSize = socketBufferBytes;
            _socket.SendBufferSize = socketBufferBytes;
            _socket.Bind(localEndPoint);
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.AddressAlreadyInUse)
        {
            _socket.Dispose();
            throw new AddressInUseException(localEndPoint);
        }
        catch
        {
            _socket.Dispose();
            throw;
        }
        var bound = (IPEndPoint)_socket.LocalEndPoint!;
        LocalAddress = NetAddress.FromEndPoint(bound);
        LocalEndPoint = bound;
        _receiveAddress = new SocketAddress(localEndPoint.AddressFamily);
        _sendAddress = new SocketAddress(localEndPoint.AddressFamily);
    }

    /// <summary>Binds dual-mode to [::]:<paramref name="port"/>, or to 0.0.0.0 where the OS has no IPv6 (every address of the machine; <see cref="Bind(IPEndPoint, ILogger?)"/> binds one).</summary>
    /// <param name="port">The port, or 0 for one the OS chooses.</param>
    /// <param name="logger">Diagnostics.</param>
    /// <returns>The bound transport.</returns>
    public static UdpTransport Bind(int port = 0, ILogger? logger = null) =>
        new(new IPEndPoint(Socket.OSSupportsIPv6 ? IPAddress.IPv6Any : IPAddress.Any, port), logger);

    /// <summary>
    /// Binds to <paramref name="localEndPoint"/>: one address of the machine (a LAN interface, <see cref="IPAddress.Loopback"/>)
    /// rather than all of them, port 0 for one the OS chooses; <see cref="IPAddress.IPv6Any"/> binds dual mode as
    /// <see cref="Bind(int, ILogger?)"/> does. The same as the constructor with the default socket buffers, named as the other
    /// way to bind is. Throws <see cref="AddressInUseException"/> when another socket holds the address.
    /// </summary>
    /// <param name="localEndPoint">The local address and port.</param>
    /// <param name="logger">Diagnostics.</param>
    /// <returns>The bound transport (<see cref="LocalEndPoint"/> tells the port the OS chose).</returns>
    public static UdpTransport Bind(IPEndPoint localEndPoint, ILogger? logger = null) => new(localEndPoint, logger);

    /// <inheritdoc />
    public NetAddress LocalAddress { get; }

    /// <summary>The bound endpoint (with the port the OS chose when 0 was asked).</summary>
    public IPEndPoint LocalEndPoint { get; }

    /// <summary>Socket errors survived (ICMP resets, unreachable hosts, oversized datagrams...).</summary>
    public long SocketErrors { get; private set; }

    /// <summary>The socket, for tests that need to provoke socket errors.</summary>
    internal Socket Socket => _socket;

    /// <summary>True once receives go through <c>recvmmsg</c> batches (for tests that the fast path is the one taken).</summary>
    internal bool ReadsInBatches => _batch is not null && !_batchUnavailable;

    /// <summary><c>recvmmsg</c> calls made (for tests and benchmarks that count the system calls of a poll).</summary>
    internal long BatchReceiveCalls { get; private set; }

    /// <summary>
    /// Whether a poll ends without another <c>recvmmsg</c> once a batch that came back short is handed out (the default);
    /// the benchmark turns it off to compare against one more call per poll that finds the socket empty.
    /// </summary>
    internal bool EndsPollAfterShortBatch { get; set; } = true;

    /// <summary>Datagrams dropped because they were larger than the caller's buffer.</summary>
    public long OversizedDatagrams { get; private set; }

    /// <summary>
    /// A poll begins (<see cref="IPolledTransport"/>): from the first call on, a short or empty <c>recvmmsg</c> ends the
    /// poll for every later receive until the next call, and sends do not end it.
    /// </summary>
    void IPolledTransport.BeginPoll()
    {
        _pollsBegun = true;
        _batchDrained = false;
    }

    /// <inheritdoc />
    public bool TryReceive(Span<byte> buffer, out int length, out NetAddress source)
    {
        // Slots are one byte larger than the buffer of the first call, so that a datagram too large for it is seen (it
        // fills the slot, or the kernel cuts it). A later, larger buffer takes the portable path once the batch is empty.
        if (!_batchUnavailable && (_batchNext < _batchCount || (_batch is null ? buffer.Length <= MaxBatchedBuffer : buffer.Length < _batch.SlotSize)))
            return TryReceiveBatched(buffer, out length, out source);
        _batchDrained = false;
        return TryReceiveOne(buffer, out length, out source);
    }

    /// <summary>Larger buffers (than any protocol datagram) are read one datagram per call rather than pin 64 such slots.</summary>
    private const int MaxBatchedBuffer = 16 * 1024;

    private bool TryReceiveBatched(Span<byte> buffer, out int length, out NetAddress source)
    {
        // A client reads a datagram or two per poll: 4 slots. A read that fills the batch makes it grow (once) to 64.
        _batch ??= new ReceiveBatch(4, buffer.Length + 1);
        for (int errors = 0; !_disposed && errors < MaxErrorsPerReceive;)
        {
            if (_batchNext == _batchCount)
            {
                if (_batchDrained)
                {
                    // A caller polls until false: this is the end of its poll, and the socket had nothing more when
                    // the batch was read. What arrived since is read by the next poll's first call. A caller that marks
                    // its polls keeps the end until the next one begins (a composite asks again after other transports).
                    if (!_pollsBegun) _batchDrained = false;
                    break;
                }
                if (_batchCount == _batch.Capacity && _batch.Capacity < ReceiveBatch.MaxCapacity)
                    _batch = new ReceiveBatch(ReceiveBatch.MaxCapacity, _batch.SlotSize);
                int count;
                int error;
                try
                {
                    BatchReceiveCalls++;
                    count = _batch.Receive(_socket.SafeHandle, out error);
                }
                catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
                {
                    count = -1;
                    error = ReceiveBatch.Errno.NotImplemented;
                }
                catch (ObjectDisposedException)
                {
                    break;
                }

                if (count == 0)
                {
                    // Empty: within a marked poll, the later receives of this poll need not ask again.
                    _batchDrained = _pollsBegun && EndsPollAfterShortBatch;
                    break;
                }
                if (count < 0)
                {
                    if (error == ReceiveBatch.Errno.Interrupted) continue;
                    if (error is ReceiveBatch.Errno.NotImplemented or ReceiveBatch.Errno.NotSupported or ReceiveBatch.Errno.BadDescriptor
                        or ReceiveBatch.Errno.NotSocket or ReceiveBatch.Errno.Fault or ReceiveBatch.Errno.Invalid)
                    {
                        // Not available here after all: the portable path from now on.
                        _batchUnavailable = true;
                        _logger.LogDebug("recvmmsg is unavailable (errno {Error}); receiving one datagram per call.", error);
                        return TryReceiveOne(buffer, out length, out source);
                    }
                    // ICMP-reported errors for earlier sends (ECONNREFUSED...): they do not concern the next datagram.
                    SocketErrors++;
                    errors++;
                    if (_logger.IsEnabled(LogLevel.Debug)) _logger.LogDebug("UDP receive error survived: errno {Error}.", error);
                    continue;
                }

                _batchCount = count;
                _batchNext = 0;
                _batchDrained = count < _batch.Capacity && EndsPollAfterShortBatch;
            }

            int index = _batchNext++;
            var datagram = _batch.Datagram(index, out bool truncated);
            if (truncated || datagram.Length > buffer.Length)
            {
                OversizedDatagrams++;
                errors++;
                continue;
            }
            if (!_batch.TryCopySource(index, _receiveAddress) || !NetAddress.TryRead(_receiveAddress, out source))
            {
                errors++;
                continue;
            }
            datagram.CopyTo(buffer);
            length = datagram.Length;
            return true;
        }
        length = 0;
        source = default;
        return false;
    }

    private bool TryReceiveOne(Span<byte> buffer, out int length, out NetAddress source)
    {
        for (int errors = 0; !_disposed && errors < MaxErrorsPerReceive;)
        {
            try
            {
                // Poll first: a non-blocking read that finds nothing would throw, and exceptions allocate.
                if (!_socket.Poll(0, SelectMode.SelectRead)) break;
                int received = _socket.ReceiveFrom(_receiveBuffer, SocketFlags.None, _receiveAddress);
                if (received > buffer.Length)
                {
                    // Counted against this call's bound like an error, so a flood of oversized datagrams cannot
                    // keep one read looping.
                    OversizedDatagrams++;
                    errors++;
                    continue;
                }
                if (!NetAddress.TryRead(_receiveAddress, out source))
                {
                    errors++;
                    continue;
                }
                _receiveBuffer.AsSpan(0, received).CopyTo(buffer);
                length = received;
                return true;
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.WouldBlock)
            {
                break;
            }
            catch (SocketException e)
            {
                // ConnectionReset/ConnectionRefused come from ICMP errors for earlier sends; MessageSize from
                // oversized datagrams. None of them concern the next datagram, so keep reading.
                SocketErrors++;
                errors++;
                if (_logger.IsEnabled(LogLevel.Debug)) _logger.LogDebug("UDP receive error survived: {Error}.", e.SocketErrorCode);
            }
            catch (ObjectDisposedException)
            {
                break;
            }
        }
        length = 0;
        source = default;
        return false;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _batchingSends = false;
        _sendBatch?.Clear();
        _socket.Dispose();
    }
}
