using System.Reflection;
using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net.Tests.Transport.Streams;

/// <summary>
/// The client side of each stream transport is made by a factory of the same name, as the server side is
/// (<c>TcpTransport.Listen</c>, <c>WebSocketServerTransport.Listen</c>): <c>TcpTransport.CreateClient()</c> and
/// <c>WebSocketClientTransport.CreateClient()</c>. The WebSocket's older <c>Create()</c> still works, marked obsolete.
/// </summary>
public class ClientFactoryNamingTests
{
    [Fact]
    public void Tcp_and_WebSocket_clients_are_made_by_CreateClient_and_the_old_WebSocket_name_is_obsolete()
    {
        const BindingFlags Statics = BindingFlags.Public | BindingFlags.Static;
        var tcp = typeof(TcpTransport).GetMethod("CreateClient", Statics);
        var webSocket = typeof(WebSocketClientTransport).GetMethod("CreateClient", Statics);
        Assert.NotNull(tcp);
        Assert.NotNull(webSocket);
        Assert.Equal(typeof(WebSocketClientTransport), webSocket.ReturnType);
        Assert.Null(tcp.GetCustomAttribute<ObsoleteAttribute>());
        Assert.Null(webSocket.GetCustomAttribute<ObsoleteAttribute>());

        var old = typeof(WebSocketClientTransport).GetMethod("Create", Statics);
        Assert.NotNull(old);
        Assert.Contains("CreateClient", old.GetCustomAttribute<ObsoleteAttribute>()?.Message ?? "", StringComparison.Ordinal);

        // Both names make a working client transport.
        using var made = (WebSocketClientTransport)webSocket.Invoke(null, [null, null, null, null])!;
        using var madeTheOldWay = (WebSocketClientTransport)old.Invoke(null, [null, null, null, null])!;
        Assert.Equal(TransportKind.WebSocket, made.LocalAddress.Kind);
        Assert.Equal(TransportKind.WebSocket, madeTheOldWay.LocalAddress.Kind);
    }
}
