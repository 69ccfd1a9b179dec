import { useEffect, useState } from 'react';
import { Toaster } from 'sonner';
import { Redirect, Route, Switch, useLocation } from 'wouter';
import { ChatPage } from './chat/chat-page.tsx';
import { Sidebar } from './sidebar/sidebar.tsx';
import { loadApp } from './state/chat-loading.ts';
import { startControlSync } from './state/control-sync.ts';

export function App() {
  const [sidebarOpen, setSidebarOpen] = useState(false);
  const [location] = useLocation();

  useEffect(() => {
    void loadApp();
    return startControlSync();
  }, []);

  // On a phone the sidebar is a drawer: picking a chat closes it.
  // biome-ignore lint/correctness/useExhaustiveDependencies: closes on every navigation
  useEffect(() => setSidebarOpen(false), [location]);

  return (
    <div className="app">
      <a className="skip-link" href="#composer">
        Skip to the message box
      </a>
      <Sidebar open={sidebarOpen} onClose={() => setSidebarOpen(false)} />
      <Switch>
        <Route path="/chat/:id?">
          {(params) => <ChatPage chatId={params.id ?? null} onOpenSidebar={() => setSidebarOpen(true)} />}
        </Route>
        <Route>
          <Redirect to="/chat" replace />
        </Route>
      </Switch>
      <Toaster position="top-right" theme="system" closeButton />
    </div>
  );
}
