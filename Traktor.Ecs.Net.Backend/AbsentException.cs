namespace Traktor.Ecs.Net.Backend;

/// <summary>Thrown by a route whose item does not exist; answered 404 with the <c>absent</c> code, which the HTTP clients read as null.</summary>
/// <param name="message">What is absent.</param>
internal sealed class AbsentException(string message) : Exception(message);
