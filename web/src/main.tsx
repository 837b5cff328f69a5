import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { BrowserRouter, Route, Routes } from "react-router";
import { ApiError } from "./api/client";
import { Layout } from "./components/Layout";
import { Dashboard } from "./pages/Dashboard";
import { ApiExplorer } from "./pages/ApiExplorer";
import { History } from "./pages/History";
import { Library } from "./pages/Library";
import { LibraryMovies, LibrarySeries } from "./pages/LibraryFacts";
import { LibraryGenres } from "./pages/LibraryGenres";
import { LibrarySection } from "./pages/LibrarySection";
import { LibraryTranscodes } from "./pages/LibraryTranscodes";
import { LibraryStorage } from "./pages/LibraryStorage";
import { LibraryHealth } from "./pages/LibraryHealth";
import { UserPage } from "./pages/UserPage";
import { Users } from "./pages/Users";
import { Admin } from "./pages/Admin";
import { NotFound } from "./pages/NotFound";
import "./styles.css";
import "./tables.css";

const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      staleTime: 30_000,
      refetchOnWindowFocus: true,
      // A 4xx will not get better by asking again; an unreachable service or a 5xx might.
      retry: (count, error) => count < 2 && !(error instanceof ApiError && error.status >= 400 && error.status < 500),
    },
  },
});

const root = document.getElementById("root");
if (!root) throw new Error("#root is missing from index.html");

createRoot(root).render(
  <StrictMode>
    <QueryClientProvider client={queryClient}>
      <BrowserRouter>
        <Routes>
          <Route element={<Layout />}>
            <Route index element={<Dashboard />} />
            <Route path="history" element={<History />} />
            <Route path="library" element={<LibrarySection />}>
              <Route index element={<Library />} />
              <Route path="movies" element={<LibraryMovies />} />
              <Route path="series" element={<LibrarySeries />} />
              <Route path="genres" element={<LibraryGenres />} />
              <Route path="storage" element={<LibraryStorage />} />
              <Route path="health" element={<LibraryHealth />} />
              <Route path="transcodes" element={<LibraryTranscodes />} />
            </Route>
            <Route path="users" element={<Users />} />
            <Route path="users/:id" element={<UserPage />} />
            <Route path="admin" element={<Admin />} />
            <Route path="api-explorer" element={<ApiExplorer />} />
            <Route path="*" element={<NotFound />} />
          </Route>
        </Routes>
      </BrowserRouter>
    </QueryClientProvider>
  </StrictMode>,
);
