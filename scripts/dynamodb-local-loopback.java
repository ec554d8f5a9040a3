// Starts DynamoDB Local bound to 127.0.0.1. The jar has no host option: its server is a Jetty
// Server(port), whose connector binds every interface. This launcher builds the same server from
// the same command line, sets the connector's host to loopback before it starts, and never sets up
// telemetry. Run by scripts/dynamodb-local.ts with Java's single-file source launcher
// (java -cp DynamoDBLocal.jar dynamodb-local-loopback.java <DynamoDB Local options>).
import java.lang.reflect.Field;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import software.amazon.dynamodb.services.local.main.ServerRunner;
import software.amazon.dynamodb.services.local.server.DynamoDBProxyServer;

public class DynamoDbLocalLoopback {
  public static void main(String[] args) throws Exception {
    DynamoDBProxyServer proxy = ServerRunner.createServerFromCommandLineArgs(args);
    Field field = DynamoDBProxyServer.class.getDeclaredField("server");
    field.setAccessible(true);
    Server server = (Server) field.get(proxy);
    Connector[] connectors = server.getConnectors();
    if (connectors.length == 0) throw new IllegalStateException("DynamoDB Local has no connector to bind");
    for (Connector connector : connectors) {
      // INVARIANT: every connector is bound to loopback or the server does not start.
      ((ServerConnector) connector).setHost("127.0.0.1");
    }
    proxy.start();
  }
}
