import { Link } from 'react-router';
import { PageHeader } from '../components/feedback';

export default function NotFoundPage() {
  return (
    <div>
      <PageHeader title="Page not found" description="There is nothing at this address." />
      <Link to="/" className="text-sm font-medium text-indigo-600 hover:underline dark:text-indigo-400">
        Back to the console
      </Link>
    </div>
  );
}
