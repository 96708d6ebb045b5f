using Traktor.Ecs.Net;
using Traktor.Ecs.Net.Backend;

try
{
    await using var app = await BackendHost.BuildAsync(args);
    await app.RunAsync();
    return 0;
}
catch (InvalidOperationException exception) when (exception.Message.StartsWith("The online backend refuses to start", StringComparison.Ordinal))
{
    await Console.Error.WriteLineAsync(exception.Message);
    return 2;
}
