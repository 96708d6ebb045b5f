using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Traktor.Ecs.Net.Tests.Scripting;

/// <summary>
/// Plays api.example.com for the seed's HTTP snippet: Kestrel with HTTPS on 127.0.0.1 and a
/// self-signed certificate for that name. <see cref="CreateClient"/> gives an HttpClient that connects
/// every request to this server (the name resolves here, nowhere else) and trusts exactly this
/// certificate, so the snippet's URL <c>https://api.example.com/data</c> runs unchanged.
/// </summary>
internal sealed class ExampleApiServer : IAsyncDisposable
{
    public const string HostName = "api.example.com";
    public const string Body = "{\"greeting\":\"hello from api.example.com\"}";

    private readonly WebApplication _app;
    private readonly X509Certificate2 _certificate;

    private ExampleApiServer(WebApplication app, X509Certificate2 certificate, IPEndPoint endPoint)
    {
        _app = app;
        _certificate = certificate;
        EndPoint = endPoint;
    }

    public IPEndPoint EndPoint { get; }

    public int Requests;

    public static async Task<ExampleApiServer> StartAsync()
    {
        var certificate = CreateCertificate();
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = [] });
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0, listen => listen.UseHttps(certificate)));
        var app = builder.Build();
        ExampleApiServer? server = null;
        app.MapGet("/data", () =>
        {
            Interlocked.Increment(ref server!.Requests);
            return Results.Text(Body, "application/json");
        });
        await app.StartAsync();
        var address = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        server = new ExampleApiServer(app, certificate, new IPEndPoint(IPAddress.Loopback, address.Port));
        return server;
    }

    public HttpClient CreateClient()
    {
        var handler = new SocketsHttpHandler
        {
            ConnectCallback = async (context, cancellationToken) =>
            {
                Assert.Equal(HostName, context.DnsEndPoint.Host);
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                await socket.ConnectAsync(EndPoint, cancellationToken);
                return new NetworkStream(socket, ownsSocket: true);
            },
            SslOptions = new SslClientAuthenticationOptions
            {
                RemoteCertificateValidationCallback = (_, certificate, _, _) => certificate is not null && certificate.GetCertHashString() == _certificate.GetCertHashString(),
            },
        };
        return new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(30) };
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        _certificate.Dispose();
    }

    private static X509Certificate2 CreateCertificate()
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest($"CN={HostName}", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName(HostName);
        request.CertificateExtensions.Add(names.Build());
        using var created = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        return X509CertificateLoader.LoadPkcs12(created.Export(X509ContentType.Pfx), null);
    }
}
